import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkContract, diffContracts, formatContract, serverContract } from '@mcpkit/testing';
import { ContractChangedError, expectContractSnapshot } from '@mcpkit/testing/vitest';
import { describe, expect, it } from 'vitest';
import { invoicesServer } from './fixtures/invoices-server.js';

// The contract of invoicesServer() as recorded; a change to the fixture's surface must fail here.
const RECORDED = new URL('./__contract__/invoices.json', import.meta.url);

describe('contract snapshots', () => {
  it('match the recorded contract', async () => {
    const check = await expectContractSnapshot(invoicesServer(), RECORDED);
    expect(check.status).toBe('matched');
    expect(Object.keys(check.contract.tools)).toEqual(['get_invoice', 'void_invoice']);
    expect(check.contract.tools.get_invoice).toMatchObject({
      annotations: { idempotentHint: true, readOnlyHint: true },
      inputSchema: { properties: { id: { type: 'string' } }, required: ['id'] },
    });
    expect(Object.keys(check.contract.resources)).toEqual(['config://billing']);
    expect(Object.keys(check.contract.resourceTemplates)).toEqual(['invoice://{id}']);
    expect(Object.keys(check.contract.prompts)).toEqual(['dunning_letter']);
  });

  it('do not change when tools, resources and prompts are registered in another order', async () => {
    const reversed = await expectContractSnapshot(invoicesServer({ reversed: true }), RECORDED, {
      update: 'none',
    });
    expect(reversed.status).toBe('matched');
    expect(formatContract(await serverContract(invoicesServer({ reversed: true })))).toBe(
      formatContract(await serverContract(invoicesServer())),
    );
  });

  it("fail with a readable diff when one tool's input schema changes", async () => {
    const changed = invoicesServer({ idType: 'number' });
    const check = await checkContract(changed, RECORDED, { update: 'none' });
    expect(check.status).toBe('changed');
    expect(check.diff).toEqual(['~ tools.get_invoice.inputSchema.properties.id.type: "string" → "number"']);
    const failure = await expectContractSnapshot(changed, RECORDED, { update: 'none' }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ContractChangedError);
    expect((failure as ContractChangedError).message).toBe(
      "The server's contract changed (1 difference; run with -u if intended):\n" +
        '  ~ tools.get_invoice.inputSchema.properties.id.type: "string" → "number"',
    );
    // vitest prints expected/actual as a line diff of the two JSON files.
    expect((failure as ContractChangedError).expected).toContain('"type": "string"');
    expect((failure as ContractChangedError).actual).toContain('"type": "number"');
  });

  it('write a missing contract, and refuse to when updates are off (CI)', async () => {
    const file = join(tmpdir(), `mcpkit-contract-${process.pid}-${Date.now()}.json`);
    try {
      await expect(expectContractSnapshot(invoicesServer(), file, { update: 'none' })).rejects.toThrow(
        /No contract recorded/,
      );
      expect((await checkContract(invoicesServer(), file)).status).toBe('written');
      expect(
        (await checkContract(invoicesServer({ idType: 'number' }), file, { update: 'all' })).status,
      ).toBe('written');
      expect(
        (await checkContract(invoicesServer({ idType: 'number' }), file, { update: 'none' })).status,
      ).toBe('matched');
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('diffContracts', () => {
  it('names added, removed and changed paths', () => {
    expect(
      diffContracts(
        {
          tools: {
            a: { description: 'A', annotations: { readOnlyHint: true } },
            'b.c': { description: 'B' },
          },
        },
        { tools: { a: { description: 'A!' }, d: { description: 'D' } } },
      ),
    ).toEqual([
      '- tools.a.annotations: {"readOnlyHint":true}',
      '~ tools.a.description: "A" → "A!"',
      '- tools["b.c"]: {"description":"B"}',
      '+ tools.d: {"description":"D"}',
    ]);
    expect(diffContracts({ x: [1, 2] }, { x: [1, 2] })).toEqual([]);
  });
});
