import type { EventId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { streamCategory } from '../envelope/streamCategory.js';
import { ConcordError } from '../errors/ConcordError.js';
import { SCHEMA_UPGRADE_DEPENDENCY } from '../gate/holds.js';
import type { JsonObject } from '../json/JsonValue.js';
import type { DomainModule } from './DomainModule.js';
import type { SchemaGap } from './EventSchema.js';
import { mergePatchDomain } from './mergePatchDomain.js';
import { normalizeDomain } from './normalizeDomain.js';
import { mergeNeedsUpgrade } from './resolverVersion.js';
import { encodeForWrite, schemaGapOf } from './upcastEvent.js';

/**
 * The domain modules of a deployment, by stream category. A category without a module gets
 * the default merge-patch module (policy `lww`), so every stream can be folded. Modules are
 * normalized on the way in (`normalizeDomain`): what `forStream(s).reducer` folds is always
 * upcast to the version the module reads.
 */
export class DomainRegistry {
  private readonly modules = new Map<string, DomainModule>();
  private readonly defaults = new Map<string, DomainModule>();

  constructor(modules: Iterable<DomainModule> = []) {
    for (const module of modules) this.register(module);
  }

  /**
   * Adds a module.
   * @throws ConcordError VALIDATION_FAILED when the category already has one, or its event
   * schemas are inconsistent.
   */
  register(module: DomainModule): this {
    if (this.modules.has(module.category)) {
      throw new ConcordError(
        'VALIDATION_FAILED',
        `category ${module.category} is already registered`,
        {
          details: { field: 'category', category: module.category },
        },
      );
    }
    this.modules.set(module.category, normalizeDomain(module));
    return this;
  }

  /** The module of a category (registered or default). */
  forCategory(category: string): DomainModule {
    const module = this.modules.get(category);
    if (module) return module;
    let fallback = this.defaults.get(category);
    if (!fallback) {
      fallback = mergePatchDomain(category) as DomainModule;
      this.defaults.set(category, fallback);
    }
    return fallback;
  }

  /** The module of a stream, by its category. */
  forStream(stream: StreamId): DomainModule {
    return this.forCategory(streamCategory(stream));
  }

  /** True when the category has a registered (non-default) module. */
  has(category: string): boolean {
    return this.modules.has(category);
  }

  /**
   * What this deployment's code cannot interpret about an event (an unknown type or a newer
   * schema version than its module reads), or `undefined` when it can fold it.
   */
  schemaGap(event: Pick<UnsignedEnvelope, 'stream' | 'type' | 'meta'>): SchemaGap | undefined {
    return schemaGapOf(this.forStream(event.stream), event);
  }

  /**
   * The causal gate's hold (`CausalGateOptions.hold`): {@link SCHEMA_UPGRADE_DEPENDENCY} for an
   * event this code cannot interpret — or a merge whose resolver version it cannot judge
   * (docs/decisions/0007-merge-validation.md) — so it stays parked until the code is upgraded.
   */
  readonly holdFor = (
    event: Pick<UnsignedEnvelope, 'stream' | 'type' | 'meta'> & { readonly data?: unknown },
  ): EventId | undefined =>
    this.schemaGap(event) === undefined && !mergeNeedsUpgrade(this.forStream(event.stream), event)
      ? undefined
      : SCHEMA_UPGRADE_DEPENDENCY;

  /**
   * The data and schema version to write for a command of `stream` whose data is in the version
   * the module reads (downcast to the type's write version).
   * @throws ConcordError DOMAIN_REJECTED (a type the module does not list, or a downcaster's).
   */
  encodeForWrite(
    stream: StreamId,
    type: string,
    data: JsonObject,
  ): { readonly data: JsonObject; readonly version: number } {
    return encodeForWrite(this.forStream(stream), type, data);
  }

  /** Registered categories, sorted. */
  categories(): string[] {
    return [...this.modules.keys()].sort();
  }
}
