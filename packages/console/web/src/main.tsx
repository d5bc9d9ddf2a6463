import "@mantine/core/styles.css";
import "@mantine/charts/styles.css";
import { MantineProvider, createTheme } from "@mantine/core";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";

// The darkest shade of every color for text and fills: WCAG AA contrast on white and on light tints.
const theme = createTheme({ primaryShade: 9 });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <App />
    </MantineProvider>
  </StrictMode>,
);
