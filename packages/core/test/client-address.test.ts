import { clientAddressOf } from '@mcpkit/core';
import { describe, expect, it } from 'vitest';

describe('clientAddressOf', () => {
  it('is the peer address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddressOf('10.0.0.5', '1.2.3.4', undefined)).toBe('10.0.0.5');
    expect(clientAddressOf('10.0.0.5', '1.2.3.4', 0)).toBe('10.0.0.5');
  });

  it('takes the hop the trusted proxy appended, never what the client wrote to its left', () => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the real peer 203.0.113.9.
    expect(clientAddressOf('10.0.0.5', '6.6.6.6, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientAddressOf('10.0.0.5', '6.6.6.6,7.7.7.7, 203.0.113.9', 1)).toBe('203.0.113.9');
  });

  it('counts hops from the right and stops at the leftmost entry', () => {
    expect(clientAddressOf('10.0.0.5', '198.51.100.1, 203.0.113.9, 10.0.0.4', 2)).toBe('203.0.113.9');
    expect(clientAddressOf('10.0.0.5', '198.51.100.1', 5)).toBe('198.51.100.1');
  });

  it('walks past listed proxy addresses and CIDR ranges only', () => {
    const trust = ['10.0.0.0/8', '192.0.2.10'];
    expect(clientAddressOf('10.1.2.3', '6.6.6.6, 198.51.100.1, 192.0.2.10', trust)).toBe('198.51.100.1');
    expect(clientAddressOf('198.51.100.50', '6.6.6.6', trust)).toBe('198.51.100.50');
    expect(clientAddressOf('::1', '203.0.113.7', ['loopback'])).toBe('203.0.113.7');
  });

  it('reads IPv4-mapped IPv6 peers as IPv4', () => {
    expect(clientAddressOf('::ffff:127.0.0.1', '203.0.113.7', ['127.0.0.1'])).toBe('203.0.113.7');
    expect(clientAddressOf('::ffff:10.0.0.1', undefined, 1)).toBe('10.0.0.1');
  });
});
