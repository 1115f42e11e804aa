export { AdminChannelError, startAdminChannel, type AdminChannel, type AdminChannelOptions } from "./admin-channel.js";
export { AdminClient, adminChannelListening } from "./admin-client.js";
export { adminRoutes, OPERATOR_HEADER, type AdminOperations } from "./admin-routes.js";
export { withAdminSession, type AdminPath, type AdminSessionOptions } from "./admin-session.js";
export { ADMIN_SOCKET_FILE, type EabAdmin } from "./eab-admin.js";
export { withEabAdmin, type EabAdminPath, type EabSessionOptions } from "./eab-session.js";
export type { LicenseAdmin } from "./license-admin.js";
export { withOfflineNode } from "./offline-node.js";
