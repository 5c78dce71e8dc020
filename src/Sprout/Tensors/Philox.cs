using System.Runtime.CompilerServices;

namespace Sprout;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based
/// generator. The 128-bit counter and 64-bit key map to four random words by ten rounds of a bijection, so any
/// block of the stream can be computed directly, on any thread, without shared state.
/// </summary>
internal static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>Computes the four words of block (c0..c3) under key (k0, k1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, Span<uint> output)
    {
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
            k0 += W0; k1 += W1;
        }
        output[0] = c0; output[1] = c1; output[2] = c2; output[3] = c3;
    }
}
