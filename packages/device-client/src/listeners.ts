/** An ordered set of listeners; `add` returns the function that removes the listener again. */
export class Listeners<A extends unknown[], R = void> {
  private readonly list: ((...args: A) => R)[] = [];

  add(listener: (...args: A) => R): () => void {
    this.list.push(listener);
    return () => {
      const i = this.list.indexOf(listener);
      if (i >= 0) this.list.splice(i, 1);
    };
  }

  get size(): number {
    return this.list.length;
  }

  /** Calls every listener with `args`, in registration order; returns their results (exceptions propagate). */
  call(...args: A): R[] {
    return [...this.list].map((l) => l(...args));
  }

  clear(): void {
    this.list.length = 0;
  }
}
