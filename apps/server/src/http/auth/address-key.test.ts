import { describe, expect, it } from 'vitest'
import { addressKey } from './throttle.js'

describe('addressKey', () => {
  it('keys IPv4 per address, IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7')
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(addressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7')
  })

  it('keys IPv6 per /64, whatever the spelling', () => {
    const key = '2001:db8:aa:1::/64'
    for (const address of [
      '2001:db8:aa:1::1',
      '2001:0db8:00aa:0001:ffff:ffff:ffff:ffff',
      '2001:DB8:AA:1:0:0:0:2',
      '[2001:db8:aa:1::3]',
      '2001:db8:aa:1::4%eth0',
      '2001:db8:aa:1:1:2:192.0.2.1',
    ])
      expect(addressKey(address), address).toBe(key)
    expect(addressKey('2001:db8:aa:2::1')).toBe('2001:db8:aa:2::/64')
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
    expect(addressKey('::2:3:4:5:6:192.0.2.1')).toBe('0:2:3:4::/64')
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64')
  })

  it('leaves anything else as it is', () => {
    expect(addressKey('unknown')).toBe('unknown')
    expect(addressKey('2001:db8::g')).toBe('2001:db8::g')
  })
})
