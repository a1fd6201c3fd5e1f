/** The version Conclave reports (CLI, /version, Status). Kept in step with package.json by a test. */
export const conclaveVersion = '0.1.0';
