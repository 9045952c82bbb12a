import { describeRepositoriesContract } from './contracts/index.js'
import { createFixedClock } from './fixed-clock.js'
import { createMemoryRepositories } from './memory-repositories.js'
import { createMemoryState } from './memory-state.js'
import { createPlainSecretBox } from './plain-secret-box.js'
import { createSeqIds } from './seq-ids.js'

describeRepositoriesContract('memory', async () => {
  const clock = createFixedClock()
  const secretBox = createPlainSecretBox()
  const state = createMemoryState()
  const repos = createMemoryRepositories({ ids: createSeqIds(), clock, secretBox }, state)
  return {
    repos,
    clock,
    secretBox,
    async rawConnectionTexts() {
      const texts = [...state.connections.values()].flatMap((c) => Object.values(c).map(String))
      return [...texts, ...[...state.sealedKeys.values()].filter((k): k is string => k !== null)]
    },
    close: async () => {},
  }
})
