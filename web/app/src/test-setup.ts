// Vitest: DOM matchers are not used; cleanup between tests is @testing-library's own.
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => cleanup());
