import type { ApiMethod, ApiParsedParams, ApiResult } from '../../src-shared/api';
import type { ServiceContext } from './context';

/** Serves one API method: its params already validated by the method's schema, its result the method's type. */
type Handler<M extends ApiMethod> = (ctx: ServiceContext, params: ApiParsedParams<M>) => Promise<ApiResult<M>>;

/** The handlers of a set of methods; `satisfies Handlers<...>` checks every one's params and result. */
export type Handlers<M extends ApiMethod> = { readonly [K in M]: Handler<K> };
