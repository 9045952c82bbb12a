import { createContext, useContext } from 'react'
import type { Me } from './api/types'

/** The signed-in user, provided by the app shell once /auth/me answered. */
export const MeContext = createContext<Me | null>(null)

export const useMe = (): Me => {
  const me = useContext(MeContext)
  if (!me) throw new Error('not signed in')
  return me
}
