/**
 * Test helper: the logon information an established server context reports
 * (`SECPKG_ATTR_PAC_LOGON_INFO`), asserting the query succeeds.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type PacLogonInfo,
  QueryContextAttributes,
  SEC_E_OK,
  SECPKG_ATTR_PAC_LOGON_INFO,
  type SecurityContext,
  statusName,
} from "../../mod.ts";

/** `s`'s `SECPKG_ATTR_PAC_LOGON_INFO` (the query must return `SEC_E_OK`). */
export function logonInfoOf(s: SecurityContext): PacLogonInfo {
  const out = { value: null as unknown };
  assert.equal(
    statusName(QueryContextAttributes(
      s.handles.context,
      SECPKG_ATTR_PAC_LOGON_INFO,
      out,
    )),
    statusName(SEC_E_OK),
  );
  return out.value as PacLogonInfo;
}
