import { withFullLineCoverage } from '../../vitest.shared.ts';

// The SSRF and path checks are a security boundary: every line must be exercised (style.md 3.7).
export default withFullLineCoverage(['src/__fixtures__/**']);
