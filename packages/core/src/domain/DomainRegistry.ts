import type { StreamId } from '../envelope/Envelope.js';
import { streamCategory } from '../envelope/streamCategory.js';
import { ConcordError } from '../errors/ConcordError.js';
import type { DomainModule } from './DomainModule.js';
import { mergePatchDomain } from './mergePatchDomain.js';

/**
 * The domain modules of a deployment, by stream category. A category without a module gets
 * the default merge-patch module (policy `lww`), so every stream can be folded.
 */
export class DomainRegistry {
  private readonly modules = new Map<string, DomainModule>();
  private readonly defaults = new Map<string, DomainModule>();

  constructor(modules: Iterable<DomainModule> = []) {
    for (const module of modules) this.register(module);
  }

  /**
   * Adds a module.
   * @throws ConcordError VALIDATION_FAILED when the category already has one.
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
    this.modules.set(module.category, module);
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

  /** Registered categories, sorted. */
  categories(): string[] {
    return [...this.modules.keys()].sort();
  }
}
