import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorSetSchema,
  type DescriptorProto, type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';

// Compiles proto/ with buf and lists the contract files' descriptors as lines of proto/wire-contract.tsv, so any
// renumbered, renamed, retyped, missing or extra field, message, enum value or RPC fails this test.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONTRACT_FILES = ['plugin/plugin.proto', 'config_provider/config_provider.proto'];

function compiledFiles(): FileDescriptorProto[] {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'buf'), ['build', '-o', '-#format=binpb'], { cwd: ROOT, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  expect(r.status, r.stderr?.toString()).toBe(0);
  return fromBinary(FileDescriptorSetSchema, r.stdout).file.filter((f) => CONTRACT_FILES.includes(f.name));
}

const scalar = (t: FieldDescriptorProto_Type): string => FieldDescriptorProto_Type[t].toLowerCase();

function messageLines(pkg: string, m: DescriptorProto, scope: string, out: string[], extra: Map<string, number>): void {
  const name = `${scope}.${m.name}`;
  out.push(`message\t${name}`);
  const entries = new Map(m.nestedType.filter((n) => n.options?.mapEntry).map((n) => [`.${name}.${n.name}`, n]));
  for (const f of m.field) {
    const entry = entries.get(f.typeName);
    let type: string;
    if (entry) type = `map<${scalar(entry.field[0]!.type)}, ${scalar(entry.field[1]!.type)}>`;
    else if (f.type === FieldDescriptorProto_Type.MESSAGE || f.type === FieldDescriptorProto_Type.ENUM) type = f.typeName.slice(1);
    else type = scalar(f.type);
    const label = f.label === FieldDescriptorProto_Label.REPEATED && !entry ? 'repeated' : '';
    const kind = extra.has(`${name}.${f.number}`) ? 'plugway-field' : 'field';
    out.push(`${kind}\t${name}\t${f.number}\t${f.name}\t${type}\t${label}`);
  }
  for (const e of m.enumType) for (const v of e.value) out.push(`enum\t${name}.${e.name}\t${v.number}\t${v.name}`);
  for (const n of m.nestedType) if (!n.options?.mapEntry) messageLines(pkg, n, name, out, extra);
}

function tableLines(): string[] {
  return readFileSync(join(ROOT, 'proto', 'wire-contract.tsv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
}

describe('proto/ against the AI Studio wire contract (proto/wire-contract.tsv)', () => {
  const table = tableLines();
  const extra = new Map(table.filter((l) => l.startsWith('plugway-field\t')).map((l) => {
    const [, msg, num] = l.split('\t');
    return [`${msg}.${num}`, Number(num)];
  }));

  it('compiles to exactly the table: every RPC, message, field number, name, type, label and enum value', () => {
    const lines: string[] = [];
    for (const file of compiledFiles()) {
      for (const s of file.service) {
        for (const m of s.method) {
          const res = `${m.serverStreaming ? 'stream ' : ''}${m.outputType.slice(1)}`;
          lines.push(`rpc\t${file.package}.${s.name}\t${m.name}\t${m.clientStreaming ? 'stream ' : ''}${m.inputType.slice(1)}\t${res}`);
        }
      }
      for (const m of file.messageType) messageLines(file.package, m, file.package, lines, extra);
    }
    const missing = table.filter((l) => !lines.includes(l));
    const unexpected = lines.filter((l) => !table.includes(l));
    expect({ missing, unexpected }).toEqual({ missing: [], unexpected: [] });
  });

  it('has all 35 PluginService RPCs, the 3 ConfigProviderService RPCs, 83 + 6 messages and 3 enums', () => {
    const count = (re: RegExp) => table.filter((l) => re.test(l)).length;
    expect(count(/^rpc\tplugin\.PluginService\t/)).toBe(35);
    expect(count(/^rpc\tconfig_provider\.ConfigProviderService\t/)).toBe(3);
    expect(count(/^message\tplugin\./)).toBe(83);
    expect(count(/^message\tconfig_provider\./)).toBe(6);
    expect(new Set(table.filter((l) => l.startsWith('enum\t')).map((l) => l.split('\t')[1])).size).toBe(3);
  });

  it('gives our own fields numbers above the highest contract number of their message', () => {
    for (const [key, num] of extra) {
      const msg = key.slice(0, key.lastIndexOf('.'));
      const listed = table.filter((l) => l.startsWith(`field\t${msg}\t`)).map((l) => Number(l.split('\t')[2]));
      expect(num, key).toBeGreaterThan(Math.max(0, ...listed));
    }
  });
});
