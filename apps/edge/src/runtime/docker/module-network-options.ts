import { PermanentStepError } from '../../agent/step-errors.js';
import type { ModuleNetworkGateway } from './module-network.js';

type Json = Record<string, unknown>;

/**
 * True when a container with these createOptions joins the module network: it asks for no network (no or an empty
 * `HostConfig.NetworkMode`, Azure's default and what published Azure module images expect), or names the module
 * network itself. Any other mode (`host`, `none`, `bridge`, `container:…`, another network) is the user's choice
 * and left alone.
 */
export function joinsModuleNetwork(createOptions: Readonly<Json>, networkName: string): boolean {
  const hostConfig = createOptions['HostConfig'];
  if (typeof hostConfig !== 'object' || hostConfig === null || Array.isArray(hostConfig)) return true;
  const mode = (hostConfig as Json)['NetworkMode'];
  return mode === undefined || mode === null || mode === '' || mode === networkName;
}

/**
 * Puts the container on the module network as edgeAgent does (CreateOrUpdateCommand): `HostConfig.NetworkMode` =
 * the network, an endpoint with the module id as alias unless createOptions configure that endpoint, and (what
 * Azure does with the hub's network alias) `ExtraHosts` mapping the gateway host name to the network's gateway,
 * where the hub listens. A user `ExtraHosts` entry for that same name is replaced. Mutates `options`/`hostConfig`.
 */
export function applyModuleNetwork(options: Json, hostConfig: Json, moduleId: string, network: ModuleNetworkGateway): void {
  hostConfig['NetworkMode'] = network.name;
  const extraHosts = stringArray(hostConfig['ExtraHosts'], 'HostConfig.ExtraHosts').filter((entry) => !mapsHost(entry, network.hostName));
  hostConfig['ExtraHosts'] = [...extraHosts, `${network.hostName}:${network.gatewayIp}`];
  const networking = object(options['NetworkingConfig'], 'NetworkingConfig');
  const endpoints = object(networking['EndpointsConfig'], 'NetworkingConfig.EndpointsConfig');
  if (endpoints[network.name] === undefined) endpoints[network.name] = { Aliases: [moduleId] };
  networking['EndpointsConfig'] = endpoints;
  options['NetworkingConfig'] = networking;
}

// `name:address` (Docker's ExtraHosts form; the address may be IPv6 with colons).
function mapsHost(entry: string, hostName: string): boolean {
  const colon = entry.indexOf(':');
  return colon > 0 && entry.slice(0, colon).toLowerCase() === hostName.toLowerCase();
}

function object(value: unknown, path: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(path, 'must be an object');
  return value as Json;
}

function stringArray(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalid(path, 'must be an array of strings');
  return value as string[];
}

function invalid(path: string, rule: string): PermanentStepError {
  return new PermanentStepError('AGT_RUNTIME_SPEC_INVALID', `settings.createOptions.${path} ${rule}`);
}
