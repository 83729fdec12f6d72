import assert from 'node:assert/strict';
import { parseUkDate } from '@celr/bridges';

assert.equal(parseUkDate('29/02/2024'), '2024-02-29');
assert.equal(parseUkDate('29/02/2023'), undefined); // that day does not exist
