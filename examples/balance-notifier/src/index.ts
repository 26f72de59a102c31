/** The balance notifier, an example downstream app of Concord (README.md). */
export { formatAmount, notificationOf, type Notification } from './notification.js';
export {
  createNotificationsTable,
  DEFAULT_GROUP,
  runNotifier,
  type NotifierOptions,
} from './notifier.js';
