// Image references the kind provider puts into pods and containers: pinned by digest when
// versions.json has one, rewritten onto a registry mirror when asked. Pure.
import type { ImagePin } from './pins.ts';

export interface ImageOptions {
  /**
   * Registry mirror prefix: `mirror.example.com/proxy` turns `quay.io/calico/node:v3.32.1` into
   * `mirror.example.com/proxy/calico/node:v3.32.1` (the registry host is replaced, the path kept).
   */
  registryMirror?: string;
  /**
   * Images were preloaded with `kind load docker-image`: refer to them by tag, because an image
   * loaded into a node's containerd keeps its tag but not its registry digest.
   */
  preloaded?: boolean;
}

/** Split `host/path:tag@digest`; a first component without `.`, `:` or `localhost` is not a host. */
export function splitImage(ref: string): { registry: string | undefined; path: string } {
  const slash = ref.indexOf('/');
  if (slash === -1) return { registry: undefined, path: ref };
  const first = ref.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return { registry: first, path: ref.slice(slash + 1) };
  return { registry: undefined, path: ref };
}

export function withMirror(ref: string, mirror: string | undefined): string {
  if (!mirror) return ref;
  const { path } = splitImage(ref);
  return `${mirror.replace(/\/+$/, '')}/${path}`;
}

/** The reference a pod uses for a pinned image. */
export function imageRef(pin: ImagePin, options: ImageOptions = {}): string {
  const pinned = pin.digest && !options.preloaded ? `${pin.image}@${pin.digest}` : pin.image;
  return withMirror(pinned, options.registryMirror);
}

/** Drop the digest: `kind load docker-image` and `docker tag` need a tag reference. */
export function tagOf(ref: string): string {
  return ref.replace(/@sha256:[0-9a-f]{64}$/, '');
}
