import { withFullLineCoverage } from '../../vitest.shared.ts';

// The parser is a security boundary: every line must be exercised (style.md 3.7).
export default withFullLineCoverage();
