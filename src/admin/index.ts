export { AdminChannelError, startAdminChannel, type AdminChannel, type AdminChannelOptions } from "./admin-channel.js";
export { AdminClient, adminChannelListening } from "./admin-client.js";
export { adminRoutes, OPERATOR_HEADER } from "./admin-routes.js";
export { ADMIN_SOCKET_FILE, type EabAdmin } from "./eab-admin.js";
export { withEabAdmin, type EabAdminPath, type EabSessionOptions } from "./eab-session.js";
export { withOfflineNode } from "./offline-node.js";
