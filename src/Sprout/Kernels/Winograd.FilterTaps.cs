using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

internal static unsafe partial class Winograd
{
    /// <summary>
    /// The taps of 16 consecutive filters (o .. o+15, channel c) as the filter transforms read them, in two 8-lane
    /// gathers: the weights (outputs, channels, 3, 3) as given, or, for the input gradient (dX = dY ⋆ w′ with w′[c, o] the
    /// filter w[o, c] turned 180°), w read transposed and flipped, so that no flipped copy is written first. The given
    /// filters of one channel lie C·9 floats apart; the flipped ones 9 apart, so their 16 lanes share 9 cache lines.
    /// </summary>
    private readonly struct FilterTaps
    {
        private readonly float* _w;
        private readonly int _outputs, _channels;
        private readonly bool _flipped;
        private readonly Vector256<int> _apart;
        private readonly long _secondHalf;

        /// <param name="w">The first weight, pinned.</param>
        /// <param name="outputs">Filters of the transformed convolution (for the flipped weights: w's input channels).</param>
        /// <param name="channels">Its input channels (for the flipped weights: w's filters).</param>
        /// <param name="flipped">Whether the transformed convolution's filters are w's transposed and turned 180°.</param>
        public FilterTaps(float* w, int outputs, int channels, bool flipped)
        {
            _w = w;
            (_outputs, _channels, _flipped) = (outputs, channels, flipped);
            int lane = flipped ? 9 : channels * 9;
            _apart = Vector256<int>.Indices * lane;
            _secondHalf = 8L * lane;
        }

        /// <summary>Tap <paramref name="k"/> (3·row + column) of filters o .. o+15 of channel c.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Tap(int o, int c, int k)
        {
            float* at = _flipped ? _w + ((long)c * _outputs + o) * 9 + 8 - k : _w + ((long)o * _channels + c) * 9 + k;
            return Vector512.Create(Avx2.GatherVector256(at, _apart, 4), Avx2.GatherVector256(at + _secondHalf, _apart, 4));
        }
    }
}
