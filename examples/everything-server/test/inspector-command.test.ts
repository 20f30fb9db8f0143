import { describe, expect, it } from 'vitest';
import { inspectorCommands, runsInspector } from '../src/inspector-command.js';

const URL = 'http://127.0.0.1:3000/mcp';

describe('the demo banner Inspector commands', () => {
  it('tells which Node versions run the current Inspector (>= 22.19)', () => {
    expect(runsInspector('20.20.2')).toBe(false);
    expect(runsInspector('22.18.0')).toBe(false);
    expect(runsInspector('22.19.0')).toBe(true);
    expect(runsInspector('24.1.0')).toBe(true);
  });

  it('brings Node 22 along on Node 20 and hands the flags to the Inspector through -c', () => {
    const { listTools, callTool } = inspectorCommands(URL, '20.20.2');
    expect(listTools).toBe(
      `npx -y -p node@22 -p @modelcontextprotocol/inspector -c 'mcp-inspector --cli ${URL} --transport http --method tools/list'`,
    );
    expect(callTool).toBe(
      `npx -y -p node@22 -p @modelcontextprotocol/inspector -c 'mcp-inspector --cli ${URL} --transport http --method tools/call --tool-name test_simple_text'`,
    );
  });

  it('uses the plain npx form where the running Node is new enough', () => {
    const { listTools } = inspectorCommands(URL, '22.19.0');
    expect(listTools).toBe(
      `npx -y @modelcontextprotocol/inspector --cli ${URL} --transport http --method tools/list`,
    );
  });
});
