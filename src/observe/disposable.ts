/** Something that can be undone once, e.g. an event subscription. */
export interface Disposable {
  dispose(): void;
}

/**
 * A tiny typed event: `on(listener)` returns a {@link Disposable}, so listeners are never leaked.
 * A listener that throws is isolated from the others and from the emitter.
 */
export class EventSource<T> {
  private readonly listeners = new Set<(value: T) => void>();

  on = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  emit(value: T): void {
    for (const l of this.listeners) {
      try {
        l(value);
      } catch {
        // A listener's bug must not break the primitive that emits.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
