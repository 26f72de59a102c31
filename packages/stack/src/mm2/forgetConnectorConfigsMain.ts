/**
 * Helper process of MirrorMakerProcess.start (see forgetConnectorConfigs):
 *
 *   node forgetConnectorConfigsMain.js <brokers> <topic>...
 *
 * deletes the topics that exist on the brokers, waits until they are gone and prints the JSON
 * list of deleted topics; exits 1 with the reason on stderr.
 */
import { deleteTopicsAndWait } from './connectorConfigs.js';

const [brokers, ...topics] = process.argv.slice(2);
try {
  if (!brokers) throw new Error('usage: forgetConnectorConfigsMain.js <brokers> <topic>...');
  const deleted = await deleteTopicsAndWait(brokers.split(','), topics);
  process.stdout.write(JSON.stringify(deleted));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
