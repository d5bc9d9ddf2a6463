import { useEffect, useState } from "react";

/** The result of an API call made when the page opens (`load` is a module-level function: called once). */
export function useApi<T>(load: () => Promise<T>): { data?: T; error?: string } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  useEffect(() => {
    load().then(
      (data) => setState({ data }),
      (e: unknown) => setState({ error: e instanceof Error ? e.message : String(e) }),
    );
  }, [load]);
  return state;
}
