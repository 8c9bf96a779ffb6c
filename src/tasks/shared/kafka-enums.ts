// kafkajs is CommonJS and Node's named-export detection misses its enums; read them off the default export.
import kafkajs from 'kafkajs';

export const { ConfigResourceTypes, ConfigSource, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;
