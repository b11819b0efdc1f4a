import { seedMesh } from '../gateway/cli/seed-command.ts';

export default async function setup(): Promise<void> {
  await seedMesh(undefined, () => {});
}
