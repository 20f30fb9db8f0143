/** The oldest Node the current MCP Inspector (2.x) runs on: its `engines` field says >= 22.19. */
const INSPECTOR_NODE = [22, 19] as const;

/** Whether `version` (as in `process.versions.node`) can run the current MCP Inspector itself. */
export function runsInspector(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > INSPECTOR_NODE[0] || (major === INSPECTOR_NODE[0] && minor >= INSPECTOR_NODE[1]);
}

/**
 * MCP Inspector CLI commands that list and call the tools at `url`. On a Node too old for the
 * Inspector (Node 20 is supported by mcpkit), plain `npx @modelcontextprotocol/inspector` resolves
 * an old Inspector that crashes, so the command brings a Node 22 along with `-p node@22`.
 */
export function inspectorCommands(
  url: string,
  nodeVersion: string = process.versions.node,
): { listTools: string; callTool: string } {
  const cli = `--cli ${url} --transport http`;
  // npx passes flags after a package name through, but reads those after `-p pkg cmd` itself: the
  // Node 22 form needs `-c '…'` to hand them to the Inspector.
  const wrap = runsInspector(nodeVersion)
    ? (args: string) => `npx -y @modelcontextprotocol/inspector ${cli} ${args}`
    : (args: string) =>
        `npx -y -p node@22 -p @modelcontextprotocol/inspector -c 'mcp-inspector ${cli} ${args}'`;
  return {
    listTools: wrap('--method tools/list'),
    callTool: wrap('--method tools/call --tool-name test_simple_text'),
  };
}
