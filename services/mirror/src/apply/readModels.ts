import {
  servedReadModels,
  type DomainRegistry,
  type ReadModel,
  type ReadModelEntry,
  type StreamId,
} from '@concord/core';

/**
 * The content of the registered read models for the streams a transaction changed: for each
 * model the registry serves (`servedReadModels`), in registration order, one entry per changed
 * stream of its category (docs/mirror.md, "Read models").
 */
export function readModelEntries(
  streams: readonly { stream: StreamId; category: string; state: unknown }[],
  registry: DomainRegistry,
  models: readonly ReadModel[],
): { model: ReadModel; entries: ReadModelEntry[] }[] {
  return servedReadModels(models, registry).map((model) => ({
    model,
    entries: streams
      .filter((s) => s.category === model.module.category)
      .map((s) => ({ stream: s.stream, row: model.rowOf(s.state) })),
  }));
}
