/*
 * The composite resource definitions (XRDs) Crossplane is watching, and which of them a
 * composite or claim type belongs to.
 */
import type { KubeObject, ResourceType } from '../store/types';

export interface CompositeDefinition {
  xrd: KubeObject;
  /** apiextensions.crossplane.io/v2: namespaced composites, no claims. */
  v2: boolean;
  group: string;
  compositeKind: string;
  claimKind?: string;
}

export class CompositeDefinitions {
  private readonly byXrdName = new Map<string, CompositeDefinition>();

  set(xrdName: string, definition: CompositeDefinition): void {
    this.byXrdName.set(xrdName, definition);
  }

  delete(xrdName: string): void {
    this.byXrdName.delete(xrdName);
  }

  all(): IterableIterator<CompositeDefinition> {
    return this.byXrdName.values();
  }

  /** The definition whose composite or claim `type` is. */
  of(type: ResourceType): CompositeDefinition | undefined {
    for (const d of this.byXrdName.values()) {
      if (
        d.group === type.group &&
        (d.compositeKind === type.kind || d.claimKind === type.kind)
      )
        return d;
    }
    return undefined;
  }
}
