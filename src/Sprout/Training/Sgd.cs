using System.Numerics.Tensors;
using Sprout.Kernels;
using Sprout.Nn;

namespace Sprout.Training;

/// <summary>
/// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay, as PyTorch
/// defines them: g ← ∇ + λw; v ← μv + g; step = Nesterov ? g + μv : v; w ← w − η·step.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Below this many weights an update runs on one thread.</summary>
    private const int ParallelLength = 1 << 15;

    private readonly ChunkedUpdate _chunked;

    public Sgd(float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f) : base(learningRate, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected momentum in [0, 1).");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs momentum > 0.", nameof(nesterov));
        Momentum = momentum;
        Nesterov = nesterov;
        _chunked = new ChunkedUpdate(this);
    }

    public float Momentum { get; }
    public bool Nesterov { get; }

    protected override float[][] CreateState(int length) => Momentum > 0 ? [new float[length]] : [];

    protected override void Update(Span<float> weight, Span<float> grad, float[][] state)
    {
        if (WeightDecay > 0) TensorPrimitives.MultiplyAdd(weight, WeightDecay, grad, grad);
        if (Momentum > 0)
        {
            var v = state[0].AsSpan();
            TensorPrimitives.MultiplyAdd(v, Momentum, grad, v);
            if (Nesterov) TensorPrimitives.MultiplyAdd(v, Momentum, grad, grad);
            else v.CopyTo(grad);
        }
        TensorPrimitives.MultiplyAdd(grad, -LearningRate, weight, weight);
    }

    /// <summary>
    /// Plain and heavy-ball SGD (no weight decay, no Nesterov) read the gradient once, scaling it on the way, and split
    /// a large parameter into one contiguous chunk per thread; the other variants take the general path.
    /// </summary>
    internal override bool TryUpdateFromGradient(Parameter p, Tensor weight, Tensor grad, float gradScale)
    {
        if (WeightDecay > 0 || Nesterov) return false;
        _chunked.Run(weight, grad, gradScale, Momentum > 0 ? StateOf(p, weight.Length)[0] : null);
        return true;
    }

    /// <summary>One update split into chunks, with its delegate made once so that a step does not allocate.</summary>
    private sealed class ChunkedUpdate
    {
        private readonly Sgd _rule;
        private readonly Action<int> _body;
        private Tensor? _weight, _grad;
        private float[]? _velocity;
        private float _gradScale;
        private int _chunk;

        public ChunkedUpdate(Sgd rule) => (_rule, _body) = (rule, Chunk);

        public void Run(Tensor weight, Tensor grad, float gradScale, float[]? velocity)
        {
            int length = weight.Length;
            int chunks = length < ParallelLength ? 1 : Threads.Count;
            (_weight, _grad, _gradScale, _velocity) = (weight, grad, gradScale, velocity);
            _chunk = ((length + chunks - 1) / chunks + 15) / 16 * 16;   // whole cache lines, covering every weight
            try { WorkerPool.For(chunks, _body); }
            finally { (_weight, _grad, _velocity) = (null, null, null); }
        }

        private void Chunk(int index)
        {
            int start = index * _chunk, count = Math.Min(_chunk, _weight!.Length - start);
            if (count <= 0) return;
            var w = _weight.AsSpan().Slice(start, count);
            var g = _grad!.Span.Slice(start, count);
            if (_velocity is null)
            {
                TensorPrimitives.MultiplyAdd(g, -_rule.LearningRate * _gradScale, w, w);
                return;
            }
            var v = _velocity.AsSpan(start, count);
            TensorPrimitives.Multiply(v, _rule.Momentum, v);
            TensorPrimitives.MultiplyAdd(g, _gradScale, v, v);
            TensorPrimitives.MultiplyAdd(v, -_rule.LearningRate, w, w);
        }
    }
}
