import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ModuleSpec } from '@verge/contracts';
import { canonicalJson } from './canonical-json.js';

/**
 * The fields of a module spec whose change forces a recreate. EA recreates a module on "any change other than
 * `status`" (reference §2.4; `DockerModule.Equals` vs `IsOnlyModuleStatusChanged`): version, type, settings
 * (image and createOptions), env, restartPolicy, imagePullPolicy and startupOrder. `status` changes only start or
 * stop the module; `configuration.id` is bookkeeping (EA ignores it too); `id` is the key the hash is stored under.
 */
function recreateFields(spec: ModuleSpec): Record<string, unknown> {
  const common = {
    type: spec.type,
    // EA reads an absent version as "" (DockerModule ctor), so both hash alike.
    version: spec.version ?? '',
    restartPolicy: spec.restartPolicy,
    imagePullPolicy: spec.imagePullPolicy,
    startupOrder: spec.startupOrder,
    env: spec.env,
  };
  return spec.type === 'docker'
    ? { ...common, settings: { image: spec.settings.image, createOptions: spec.settings.createOptions } }
    : { ...common, settings: { command: spec.settings.command, args: spec.settings.args, cwd: spec.settings.cwd } };
}

/**
 * Deterministic hash of a module spec: lowercase hex SHA-256 of the canonical JSON (sorted keys, so createOptions
 * and env key order do not matter) of the fields that force a recreate, plus `runtimeFingerprint` (the settings
 * the runtime injects, see `DesiredState.runtimeFingerprint`). The executor stores it with the module at create
 * time; an observed module whose hash differs from the desired one is recreated.
 */
export function configHash(spec: ModuleSpec, runtimeFingerprint = ''): string {
  const text = canonicalJson({ spec: recreateFields(spec), runtime: runtimeFingerprint });
  return bytesToHex(sha256(utf8ToBytes(text)));
}
