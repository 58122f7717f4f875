import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyProfile } from '../../core/profile/types.js';
import { getCampaign, listCampaigns } from '../../core/journeyEngine/store/campaigns.js';
import { saveProfile } from '../../core/store/profiles.js';
import { countProfiles, sampleProfiles, scanProfilesPage } from '../../core/store/users.js';
import { gql, useTestStack } from '../support/stack.js';

// The data access the subgraphs call in core/store (campaigns, the unfiltered users page and count, rule previews),
// directly and through the gateway. Profiles are written straight to the table: no events, so nothing tags them.
const USERS = Array.from({ length: 7 }, (_, i) => `store-u${i}`);

const stack = useTestStack({
  async afterStart() {
    for (const id of USERS) await saveProfile(process.env.PROFILES_TABLE!, emptyProfile(id), 0);
  },
});

describe('profile scans', () => {
  it('counts, pages and samples every profile exactly once', async () => {
    const table = process.env.PROFILES_TABLE!;
    assert.equal(await countProfiles(table), USERS.length);
    const seen: string[] = [];
    let afterId: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const { profiles, hasMore } = await scanProfilesPage(table, 3, afterId);
      seen.push(...profiles.map((p) => p.profile.userId));
      afterId = seen.at(-1);
      if (!hasMore) break;
    }
    assert.deepEqual([...seen].sort(), [...USERS].sort());
    const sampled = async (n: number) => {
      const ids: string[] = [];
      for await (const p of sampleProfiles(table, n)) ids.push(p.profile.userId);
      return ids;
    };
    assert.deepEqual(await sampled(4), seen.slice(0, 4), 'the first profiles in scan order');
    assert.deepEqual(await sampled(100), seen, 'all of them when there are fewer');
  });

  it('pages users without a filter through the gateway, with the exact total', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const r = await gql(stack, 'query($after: String) { users(first: 3, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }', {
        after: cursor,
      });
      const page = r.json.data.users;
      assert.equal(page.totalCount, USERS.length);
      ids.push(...page.edges.map((e: any) => e.node.id));
      cursor = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) break;
    }
    assert.deepEqual(ids.sort(), [...USERS].sort());
  });

  it('previews a rule over at most `sample` profiles', async () => {
    const r = await gql(stack, 'mutation { previewTagRule(expression: "stats.orders == 0", sample: 5) { evaluated matched sample } }');
    assert.deepEqual(r.json.data.previewTagRule.evaluated, 5);
    assert.deepEqual(r.json.data.previewTagRule.matched, 5);
    const all = await gql(stack, 'mutation { previewSegment(expression: "stats.orders > 0") { evaluated matched } }');
    assert.deepEqual(all.json.data.previewSegment, { evaluated: USERS.length, matched: 0 });
  });
});

describe('campaigns', () => {
  it('lists campaigns newest first, reads one, and moves status only along allowed transitions', async () => {
    const segment = await gql(stack, 'mutation { createSegment(input: { id: "store_all", name: "Everyone", expression: "true" }) { id } }');
    assert.equal(segment.json.data?.createSegment.id, 'store_all', JSON.stringify(segment.json.errors));
    const create = async (name: string) => {
      const journey = {
        trigger: { kind: 'SEGMENT_ENTERED', segment: 'store_all' },
        start: 'hello',
        nodes: { hello: { type: 'SEND', channel: 'email', purpose: 'marketing', message: { body: 'Hi' }, next: 'end' }, end: { type: 'EXIT' } },
      };
      const r = await gql(stack, 'mutation($n: String!, $j: JSON!) { createCampaign(input: { name: $n, journey: $j }) { id status version } }', { n: name, j: journey });
      assert.ok(r.json.data, JSON.stringify(r.json.errors));
      return r.json.data.createCampaign;
    };
    const first = await create('First');
    await new Promise((r) => setTimeout(r, 5)); // distinct createdAt (request time, in ms)
    const second = await create('Second');
    const listed = (await gql(stack, '{ campaigns { id name status } }')).json.data.campaigns;
    assert.deepEqual(listed.map((c: any) => c.id), [second.id, first.id]);
    assert.equal((await listCampaigns(process.env.CAMPAIGNS_TABLE!)).length, 2);
    const one = (await gql(stack, `{ campaign(id: "${first.id}") { id name channel segmentId status } }`)).json.data.campaign;
    assert.deepEqual(one, { id: first.id, name: 'First', channel: 'email', segmentId: 'store_all', status: 'DRAFT' });
    assert.equal((await gql(stack, '{ campaign(id: "nope") { id } }')).json.data.campaign, null);
    const paused = await gql(stack, `mutation { setCampaignStatus(id: "${first.id}", status: PAUSED) { status } }`);
    assert.equal(paused.json.errors[0].extensions.code, 'BAD_USER_INPUT', 'a draft cannot be paused');
    const ended = await gql(stack, `mutation { setCampaignStatus(id: "${first.id}", status: ENDED) { status updatedAt } }`);
    assert.equal(ended.json.data.setCampaignStatus.status, 'ENDED');
    assert.equal((await getCampaign(process.env.CAMPAIGNS_TABLE!, first.id))?.status, 'ENDED');
    const missing = await gql(stack, 'mutation { setCampaignStatus(id: "nope", status: ACTIVE) { status } }');
    assert.equal(missing.json.errors[0].extensions.code, 'NOT_FOUND');
  });
});
