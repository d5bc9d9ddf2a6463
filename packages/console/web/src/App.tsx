// The console's frame: sign-in, then a header, the page links and the page.
import { AppShell, Button, Group, Loader, NavLink, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { type Session, api } from "./api.ts";
import { AccessPage } from "./pages/AccessPage.tsx";
import { OverviewPage } from "./pages/OverviewPage.tsx";
import { SignIn } from "./SignIn.tsx";

const PAGES = [
  { path: "/", label: "Overview", Page: OverviewPage },
  { path: "/access", label: "Access", Page: AccessPage },
] as const;

/** The page of the address bar's path; the browser's back and forward move between pages. */
function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
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
      (found) => setSession(found.user === null ? null : (found as Session)),
      () => setSession(null),
    );
  }, []);

  if (session === undefined) return <Loader aria-label="Loading" m="xl" />;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  const current = PAGES.find((p) => p.path === path) ?? PAGES[0];
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
        <current.Page />
      </AppShell.Main>
    </AppShell>
  );
}
