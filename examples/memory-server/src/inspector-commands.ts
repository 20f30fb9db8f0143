/** Whether this Node can run the current MCP Inspector (2.x needs Node ≥ 22.19). */
function nodeRunsInspector(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 19);
}

/**
 * MCP Inspector CLI lines for the server at `url`, sending `apiKey` when there is one. On an
 * older Node the line brings a Node 22 along (`npx -p node@22`), since mcpkit supports Node 20.
 */
export function inspectorCommands(
  url: string,
  options: { apiKey?: string; nodeVersion?: string } = {},
): Record<'listTools' | 'recall' | 'readDigest', string> {
  const header = options.apiKey ? ` --header 'x-api-key: ${options.apiKey}'` : '';
  const base = `--cli ${url} --transport http${header}`;
  const modern = nodeRunsInspector(options.nodeVersion ?? process.versions.node);
  const line = (args: string) =>
    modern
      ? `npx -y @modelcontextprotocol/inspector ${base} ${args}`
      : `npx -y -p node@22 -p @modelcontextprotocol/inspector -c "mcp-inspector ${base.replaceAll('"', '\\"')} ${args}"`;
  return {
    listTools: line('--method tools/list'),
    recall: line('--method tools/call --tool-name recall --tool-arg query=deployment'),
    readDigest: line('--method resources/read --uri memory://digest'),
  };
}
