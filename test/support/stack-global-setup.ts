// Placeholder replaced by the stack work: brings the local stack up for int/e2e tiers.
export default async function setup(): Promise<void> {}
