/** JSON paths as shown in messages: $.channels.orders.bindings.kafka, $.channels['orders/v1']. */

export function jsonPath(segments: ReadonlyArray<string | number>): string {
  return `$${segments.map((segment) => (typeof segment === 'number' ? `[${segment}]` : /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `['${segment.replace(/'/g, "\\'")}']`)).join('')}`;
}

/** A JSON pointer (/channels/orders~1v1) as a JSON path. */
export function pointerPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '$';
  return jsonPath(
    pointer
      .replace(/^\//, '')
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')),
  );
}
