// A small typed client over the types openapi-typescript generates from the MakePlus schema
// (generated/schema.d.ts, made by .ci/run). `tsc --noEmit` checks that the schema's operations and
// components are what a client needs: login, event selection, the door scan, a paginated list, errors.
import type { components, paths } from "../generated/schema";

type Schemas = components["schemas"];
export type LoginRequest = Schemas["LoginRequest"];
export type AuthResponse = Schemas["AuthResponse"];
export type Decision = Schemas["Decision"];
export type ApiError = Schemas["Error"];
type RequestBody<Op> = Op extends { requestBody?: infer R } ? NonNullable<R> : never;
type JsonBody<P extends keyof paths, M extends keyof paths[P]> =
  RequestBody<paths[P][M]> extends { content: { "application/json": infer B } } ? B : never;

export class MakePlusClient {
  private access: string | null = null;

  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { "Content-Type": "application/json", "Accept-Language": "fr" };
    if (this.access) headers.Authorization = `Bearer ${this.access}`;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data: unknown = await response.json();
    if (!response.ok) {
      const error = data as ApiError;
      throw new Error(`${response.status} ${error.errors.map((e) => e.code).join(",")}: ${error.message}`);
    }
    return data as T;
  }

  /** Sign in; with several events, select the first one (see the schema's description). */
  async login(email: string, password: string): Promise<AuthResponse> {
    const body: JsonBody<"/api/auth/login/", "post"> = { email, password };
    const answer = await this.call<AuthResponse>("POST", "/api/auth/login/", body);
    this.access = answer.access;
    const first = answer.events[0];
    if (answer.requires_event_selection && first) {
      const selection: JsonBody<"/api/auth/select-event/", "post"> = { event_id: first.id };
      const selected = await this.call<Schemas["AppSelectEventResponse"]>("POST", "/api/auth/select-event/", selection);
      this.access = selected.access;
    }
    return answer;
  }

  /** The door scan: every decision is a 200 with `status` and `reason`. */
  async scan(roomId: string, qrCode: string): Promise<Decision> {
    const body: JsonBody<"/api/rooms/{id}/verify_access/", "post"> = { qr_code: qrCode, direction: "entry" };
    return this.call<Decision>("POST", `/api/rooms/${roomId}/verify_access/`, body);
  }

  /** The programme's first page. */
  async sessions(): Promise<Schemas["Session"][]> {
    const page = await this.call<Schemas["PaginatedSessionList"]>("GET", "/api/sessions/");
    return page.results;
  }
}

export function describe(decision: Decision): string {
  const reason: string = decision.reason ?? "";
  return decision.status === "granted" ? `OK ${decision.room.name}` : `${decision.status}: ${reason}`;
}
