/** Remembers at most `limit` values, forgetting the oldest first. */
export class BoundedSet {
  private readonly values = new Set<string>();
  constructor(private readonly limit: number) {}
  has(value: string): boolean {
    return this.values.has(value);
  }
  add(value: string): void {
    this.values.add(value);
    if (this.values.size > this.limit) this.values.delete(this.values.values().next().value!);
  }
}
