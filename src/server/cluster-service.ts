/**
 * etcdserverpb.Cluster for a single-member store. MemberList describes this
 * member. Membership changes are not built yet; each change request is
 * answered the way etcd answers it when the request itself is wrong
 * (unknown member, bad or taken URLs, removing the last voter, promoting a
 * voter), and a valid change is refused as Unimplemented with a message
 * saying so, never silently ignored.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { conclaveErrors, etcdErrors } from './errors.ts';
import { idToNumber } from './int64.ts';
import type { ServiceContext } from './service-context.ts';
import { unaryHandler } from './unary.ts';

interface WireMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** etcd's types.NewURLs rules: http(s)/unix(s) scheme, host:port, no path. */
function isValidPeerUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (!['http:', 'https:', 'unix:', 'unixs:'].includes(url.protocol)) return false;
  const hasPort = url.port !== '' || /:\d+$/.test(url.host);
  return hasPort && (url.pathname === '' || url.pathname === '/') && url.search === '' && url.hash === '';
}

export function clusterService({ headers, metrics, member }: ServiceContext): UntypedServiceImplementation {
  const unary = <Req, Res>(method: string, work: (request: Req) => Promise<Res>) => unaryHandler(metrics, 'etcdserverpb.Cluster', method, work);
  const memberId = headers.identity.memberId;
  const self = (): WireMember => ({
    ID: String(memberId),
    name: member.name,
    peerURLs: [...member.peerUrls],
    clientURLs: [...member.clientUrls],
    isLearner: false,
  });
  const mustBeSelf = (id: string | undefined): void => {
    if (idToNumber(id, 'ID') !== memberId) throw etcdErrors.memberNotFound();
  };
  return {
    MemberList: unary('MemberList', async () => ({ header: headers.header(), members: [self()] })),
    MemberAdd: unary('MemberAdd', async (request: { peerURLs?: string[] }) => {
      const urls = request.peerURLs ?? [];
      if (urls.length === 0 || !urls.every(isValidPeerUrl)) throw etcdErrors.memberBadUrls();
      const normalized = (text: string) => new URL(text).href;
      const taken = new Set(member.peerUrls.map(normalized));
      if (urls.some((url) => taken.has(normalized(url)))) throw etcdErrors.peerUrlExist();
      throw conclaveErrors.notSupported('adding a member');
    }),
    MemberRemove: unary('MemberRemove', async (request: { ID?: string }) => {
      mustBeSelf(request.ID);
      // etcd's strict reconfig check: removing the only voter would leave no quorum.
      throw etcdErrors.notEnoughStartedMembers();
    }),
    MemberUpdate: unary('MemberUpdate', async (request: { ID?: string; peerURLs?: string[] }) => {
      mustBeSelf(request.ID);
      const urls = request.peerURLs ?? [];
      if (!urls.every(isValidPeerUrl)) throw etcdErrors.memberBadUrls();
      throw conclaveErrors.notSupported('updating a member\'s peer URLs');
    }),
    MemberPromote: unary('MemberPromote', async (request: { ID?: string }) => {
      mustBeSelf(request.ID);
      throw etcdErrors.memberNotLearner();
    }),
  };
}
