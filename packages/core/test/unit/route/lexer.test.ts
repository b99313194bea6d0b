import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../src/route/lexer.js';

const lex = (text: string) => tokenize(text).slice(0, -1).map((t) => `${t.kind}:${t.text}`);

// The lexer reproduces ANTLR's longest-match rule of edgeHub's GrammarLexer.g4 (reference §3.1): identifiers may
// contain `-`, `+`, `*`, `%`, `|`, `!`, `.`, `'`, `$`…, so spacing changes tokens exactly as it does in Azure.
describe('tokenize', () => {
  it.each([
    ['SELECT * FROM', ['SELECT:SELECT', '*:*', 'FROM:FROM']],
    ['select from Where into', ['SELECT:select', 'FROM:from', 'WHERE:Where', 'INTO:into']],
    ['and Or NOT', ['AND:and', 'OR:Or', 'NOT:NOT']],
    ['android ORDER notify', ['ID:android', 'ID:ORDER', 'ID:notify']],
    ['true false null undefined', ['TRUE:true', 'FALSE:false', 'NULL:null', 'UNDEFINED:undefined']],
    ['True FALSE Null', ['ID:True', 'ID:FALSE', 'ID:Null']],
    ['12 -5 0x1F 1.5 .5 -.5e3 1e5 e5', ['INTEGER:12', 'INTEGER:-5', 'HEX:0x1F', 'REAL:1.5', 'REAL:.5', 'REAL:-.5e3', 'REAL:1e5', 'REAL:e5']],
    ['a-1 3-5 1.5.3 0x1G 5.', ['ID:a-1', 'ID:3-5', 'ID:1.5.3', 'ID:0x1G', 'ID:5.']],
    ['a - 1', ['ID:a', '-:-', 'INTEGER:1']],
    ["a*b a * b", ['ID:a*b', 'ID:a', '*:*', 'ID:b']],
    ["'a'||'b' 'a' || 'b'", ["ID:'a'||'b'", "STRING:'a'", '||:||', "STRING:'b'"]],
    ["'it''s' 'a b'", ["ID:'it''s'", "STRING:'a b'"]],
    ['"x\\"y" \'\\u0041\'', ['STRING:"x\\"y"', "STRING:'\\u0041'"]],
    ['"abc', ['UNTERMINATED_STRING:"abc']],
    ['"a\\qb"', ['UNTERMINATED_STRING:"a', 'UNKNOWN:\\', 'ID:qb', 'UNTERMINATED_STRING:"']],
    ['= != <> <= >= > < ?? ||', ['=:=', '!=:!=', '<>:<>', '<=:<=', '>=:>=', '>:>', '<:<', '??:??', '||:||']],
    ['!x ?', ['ID:!x', 'UNKNOWN:?']],
    ['$body.a[0] $a+1 $ {$x}', ['SYS_PROP:$body.a[0]', 'SYS_PROP:$a+1', 'ID:$', '{:{', 'SYS_PROP:$x', '}:}']],
    ['a[0] [', ['QUERY_PATH:a[0]', 'QUERY_PATH:[']],
    ['@ ; : \\', ['UNKNOWN:@', 'UNKNOWN:;', 'UNKNOWN::', 'UNKNOWN:\\']],
    ['a /* c */ b', ['ID:a', 'ID:b']],
    ['/messages/* WHERE a /* c */', ['/:/', 'ID:messages']],
    ['/* unclosed', ['/:/', '*:*', 'ID:unclosed']],
    ['ınto ſelect', ['ID:ınto', 'ID:ſelect']],
    ['a\u00a0b\tc\r\nd', ['ID:a\u00a0b', 'ID:c', 'ID:d']],
  ])('%j', (text, expected) => {
    expect(lex(text)).toEqual(expected);
  });

  it('records offsets and ends with EOF', () => {
    expect(tokenize(' ab ')).toEqual([
      { kind: 'ID', text: 'ab', start: 1, end: 3 },
      { kind: 'EOF', text: '', start: 4, end: 4 },
    ]);
  });
});
