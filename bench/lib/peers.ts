/**
 * Figures of the tools teams run instead of synchook. They cannot ship with the project, so the
 * bench does not measure them: results.md carries them as context, apart from its own figures.
 */
export const PEER_FIGURES: readonly string[] = [
  '## Context: peer tools (not measured by this bench)',
  '',
  'Measured side by side on one machine of the same class (2 cores), one fresh Kafka 3.9 broker per tool, 1,000 topics',
  '(3 partitions, replication factor 1, 2 config overrides), whole processes, median of three rounds; recorded on 2026-12-02.',
  'These are not figures of this run; the synchook column is synchook as it was that day, before the changes since.',
  '',
  '| scenario | synchook (2026-12-02) | kafka-gitops | topicctl | Terraform + Mongey |',
  '| --- | --- | --- | --- | --- |',
  '| A. create 1,000 topics | 13.1 s | 47.4 s | 69.7 s | 114.3 s |',
  '| B. no-op over the same 1,000 | 2.55 s | 1.95 s | 7.6 s | 10.7 s |',
  '| C. change one key on 100 of 1,000 | 7.5 s | 8.1 s | 9.9 s | 23.9 s |',
  '| A at 5,000 topics | 64–65 s, then exit 1 (settle wait), 2 of 2 runs | 291–296 s | | |',
  '| B no-op at 5,000 | 28.8 s | 22.1–23.9 s | | |',
  '| C one key on 100 of 5,000 | 21.5 s | 36–41 s | | |',
  '',
  'This run\'s counterparts: A is scenario 1 (and 10 at 5,000), B is scenario 7 (and 10 at 5,000), C is scenario 8.',
];
