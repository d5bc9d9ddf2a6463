// Sign-in with the person's own Cluster password: the server asks Trino, which decides.
import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { type Session, api } from "./api.ts";

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api.signIn(user, password).then(onSignedIn, (e: unknown) => {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    });
  };
  return (
    <main>
      <Center mih="100vh">
        <Paper withBorder p="xl" w={360}>
          <form onSubmit={submit}>
            <Stack>
              <Title order={1} size="h3">
                Sign in to the Strata console
              </Title>
              <TextInput label="User" autoComplete="username" required value={user} onChange={(e) => setUser(e.currentTarget.value)} />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              {error && (
                <Alert color="red" role="alert" title="Not signed in">
                  {error}
                </Alert>
              )}
              <Button type="submit" loading={busy}>
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
      </Center>
    </main>
  );
}
