/**
 * The package registry: which security packages the portable provider offers.
 *
 * @module
 */
import type { SecurityPackage } from "./package.ts";

const packages = new Map<string, SecurityPackage>();

/**
 * Adds (or replaces) a security package, looked up by its case-insensitive name.
 *
 * @example
 * ```ts
 * import { registerSecurityPackage } from "./registry.ts";
 * // registerSecurityPackage(myScriptedPackage);
 * ```
 */
export function registerSecurityPackage(pkg: SecurityPackage): void {
  if (!pkg || typeof pkg !== "object" || typeof pkg.info?.Name !== "string") {
    throw new TypeError(
      "registerSecurityPackage: expected a SecurityPackage with info.Name",
    );
  }
  packages.set(pkg.info.Name.toLowerCase(), pkg);
}

/** Removes a package by name; returns whether it was registered. */
export function unregisterSecurityPackage(name: string): boolean {
  return packages.delete(String(name).toLowerCase());
}

/** The package registered under `name` (case-insensitive), or undefined. */
export function findPackage(name: string): SecurityPackage | undefined {
  return packages.get(String(name).toLowerCase());
}

/** Every registered package, in registration order. */
export function listPackages(): SecurityPackage[] {
  return [...packages.values()];
}
