// The console's frame: sign-in, then a header, the page links and the page.
import { AppShell, Button, Group, Loader, NavLink, Text, Title } from "@mantine/core";
import { type ComponentType, Suspense, lazy, useEffect, useState } from "react";
import { type Session, api, prefetch } from "./api.ts";
import { AccessPage } from "./pages/AccessPage.tsx";
import { OverviewPage } from "./pages/OverviewPage.tsx";
import { SignIn } from "./SignIn.tsx";

/** What a page gets: the path below its own (e.g. the dataset of `/datasets/<catalog>/<schema>/<table>`) and a way to move. */
export interface PageProps {
  /** The address bar's path after the page's own, without the leading `/`; "" at the page itself. */
  rest: string;
  go: (path: string) => void;
}

// The pages with a chart or a graph load their code when first opened: the others do not wait for it.
const DatasetsPage = lazy(() => import("./pages/DatasetsPage.tsx").then((m) => ({ default: m.DatasetsPage })));
const LineagePage = lazy(() => import("./pages/LineagePage.tsx").then((m) => ({ default: m.LineagePage })));
const RunsPage = lazy(() => import("./pages/RunsPage.tsx").then((m) => ({ default: m.RunsPage })));

const PAGES: readonly { path: string; label: string; Page: ComponentType<PageProps> }[] = [
  { path: "/", label: "Overview", Page: OverviewPage },
  { path: "/datasets", label: "Datasets", Page: DatasetsPage },
  { path: "/lineage", label: "Lineage", Page: LineagePage },
  { path: "/runs", label: "Runs", Page: RunsPage },
  { path: "/access", label: "Access", Page: AccessPage },
];

/** The page a path is on: its own path, or below it. */
function pageOf(path: string) {
  return PAGES.find((p) => p.path !== "/" && (path === p.path || path.startsWith(`${p.path}/`))) ?? PAGES[0]!;
}

/** The page of the address bar's path; the browser's back and forward move between pages. */
function usePath(): [string, (path: string) => void] {
  const here = () => window.location.pathname + window.location.search;
  const [path, setPath] = useState(here());
  useEffect(() => {
    const onPop = () => setPath(here());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const go = (next: string) => {
    window.history.pushState(null, "", next);
    setPath(next);
  };
  return [path, go];
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [path, go] = usePath();
  useEffect(() => {
    api.session().then(
      (found) => {
        // The page's data, asked for while its code loads.
        if (found.user !== null) prefetch(window.location.pathname + window.location.search);
        setSession(found.user === null ? null : (found as Session));
      },
      () => setSession(null),
    );
  }, []);

  if (session === undefined) return <Loader role="status" aria-label="Loading" m="xl" />;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  const pathname = path.split("?")[0]!;
  const current = pageOf(pathname);
  const rest = current.path === "/" ? "" : path.slice(current.path.length).replace(/^\//, "");
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: "sm" }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Title order={1} size="h3">
              Strata
            </Title>
            <Text>{session.stack}</Text>
          </Group>
          <Group gap="sm">
            <Text size="sm">Signed in as {session.user}</Text>
            <Button size="xs" variant="default" onClick={() => api.signOut().then(() => setSession(null))}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Pages">
        {PAGES.map((p) => (
          <NavLink
            key={p.path}
            href={p.path}
            label={p.label}
            active={p === current}
            variant="filled"
            aria-current={p === current ? "page" : undefined}
            onClick={(event) => {
              event.preventDefault();
              go(p.path);
            }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loader role="status" aria-label="Loading the page" />}>
          <current.Page rest={rest} go={go} />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
