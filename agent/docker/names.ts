// Container names by id, as the docker collector last listed them: what other collectors (top
// processes) show for a process running in a container, instead of its cgroup's id.

export class ContainerNames {
  private byId = new Map<string, string>();

  /** The containers listed now, replacing the last list. */
  set(list: Iterable<{ id: string; name: string }>): void {
    this.byId = new Map([...list].map((c) => [c.id, c.name]));
  }

  /** The name of a container id, or its short id (12 characters, as docker ps shows) when not listed. */
  nameOf(id: string): string {
    return this.byId.get(id) ?? id.slice(0, 12);
  }
}
