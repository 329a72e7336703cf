// The typed union every plugin command parses into. Plain data only (serialisable, comparable in tests).

/** `file:///abs/path` — a local executable. `path` is absolute and percent-decoded, not yet normalised or resolved. */
export interface FileCommand {
  scheme: 'file';
  raw: string;
  path: string;
}

/** `grpc://host:port` — a remote plugin service. `host` is lowercased, without brackets for IPv6, without a trailing dot. */
export interface GrpcCommand {
  scheme: 'grpc';
  raw: string;
  host: string;
  port: number;
  hostKind: 'ipv4' | 'ipv6' | 'name';
}

/** An OCI reference per the distribution spec, with docker's default-registry rules applied. */
export interface OciReference {
  /** Registry host, with `:port` when given (`docker.io` when none was named). */
  registry: string;
  /** Repository path, e.g. `plugins/auth` (`library/x` for single-component docker.io names). */
  repository: string;
  tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…` */
  digest?: string;
  /** Canonical `registry/repository[:tag][@digest]`. */
  canonical: string;
}

/** Query options of an `oci://` command. */
export interface OciCommandOptions {
  /** Name or index of the public key to verify with (`OCI_PLUGINS_PUBKEY_<NAME>` / `OCI_PLUGINS_PUBLIC_KEY_<N>`). */
  pubkey?: string;
  /** Platform to select from an index, e.g. `amd64`, `linux/arm64`. */
  arch?: string;
  /** Name of a configured registry credential to use. */
  auth?: string;
}

/** `oci://registry/repo:tag[@sha256:…][?pubkey=…&arch=…&auth=…]` */
export interface OciCommand {
  scheme: 'oci';
  raw: string;
  reference: OciReference;
  options: OciCommandOptions;
}

export type PluginCommand = FileCommand | GrpcCommand | OciCommand;
