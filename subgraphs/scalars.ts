import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { badInput } from './context.js';

function parseLiteral(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, parseLiteral(f.value)]));
    case Kind.LIST:
      return ast.values.map(parseLiteral);
    default:
      return null;
  }
}

/** `JSON`: any JSON value, passed through as the client sent it. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral,
});

/** `DateTime`: an ISO 8601 string, normalised to UTC on input. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => v,
  parseValue: (v) => {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw badInput('DateTime must be an ISO 8601 string');
    return new Date(v).toISOString();
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) throw badInput('DateTime must be an ISO 8601 string');
    return new Date(ast.value).toISOString();
  },
});
