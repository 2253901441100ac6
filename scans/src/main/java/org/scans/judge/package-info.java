/**
 * Refusal judges: string rules that decide whether a response is a refusal.
 * {@link org.scans.judge.RefusalJudge#named(String)} gives {@code match-strings} (the SCANS
 * reference's {@code is_reject}, the default) or {@code xstest-prefix} (the XSTest paper's rule).
 * Pass the stripped response text, as the reference does.
 */
package org.scans.judge;
