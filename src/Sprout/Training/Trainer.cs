using System.Numerics.Tensors;
using Sprout.Nn;

namespace Sprout.Training;

/// <summary>
/// Applies an optimizer to a set of parameters, as Gluon's Trainer does. It holds the <see cref="Parameter"/> objects,
/// which stay the same when deferred parameters are filled, so it may be built right after the network is written.
/// </summary>
public sealed class Trainer
{
    private readonly (string Name, Parameter Parameter)[] _parameters;
    private readonly long[] _writesAtLastStep;   // per parameter: its gradient's write count when this trainer last stepped
    private float[] _scratch = [];

    /// <summary>A trainer for <paramref name="parameters"/> (buffers are left out) with <paramref name="optimizer"/>.</summary>
    public Trainer(ParameterCollection parameters, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (parameters.Count == 0) throw new ArgumentException("Trainer needs at least one parameter; the collection is empty.", nameof(parameters));
        if (parameters.Values.All(p => p.IsBuffer)) throw new ArgumentException("Trainer needs at least one trainable parameter; the collection holds only buffers.", nameof(parameters));
        _parameters = [.. parameters.Where(kv => !kv.Value.IsBuffer).Select(kv => (kv.Key, kv.Value))];
        _writesAtLastStep = new long[_parameters.Length];
        Optimizer = optimizer;
    }

    /// <summary>When set, the learning rate is taken from it before every step (for update t = steps taken so far).</summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>The update rule.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The trained parameters (buffers left out) under their names, in the collection's order.</summary>
    internal IReadOnlyList<(string Name, Parameter Parameter)> TrainedParameters => _parameters;

    /// <summary>The optimizer's learning rate; setting it checks it.</summary>
    public float LearningRate
    {
        get => Optimizer.LearningRate;
        set => Optimizer.LearningRate = value;
    }

    /// <summary>
    /// One update with the gradients of the last backward pass, rescaled by 1/<paramref name="batchSize"/> (use it with
    /// a summed loss). Throws, naming it, if a parameter was never filled: no forward pass reached it. A gradient that no
    /// backward pass has written since this trainer's last step is stale (a branch this iteration did not use, or a
    /// second Step after one Backward): as Gluon's trainer, Step then throws naming those parameters, and changes
    /// nothing; with <paramref name="ignoreStaleGrad"/> it leaves them out of this update instead.
    /// </summary>
    public void Step(int batchSize, bool ignoreStaleGrad = false)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"Trainer.Step: the batch size rescales the summed gradients by 1/batchSize, so it must be positive; got {batchSize}. Pass the number of samples the loss was summed over (batch.Size), or 1 if the loss is already a mean.");
        foreach (var (name, p) in _parameters)
            if (!p.IsInitialized && p.GradReq != GradReq.Null)
                throw new InvalidOperationException(
                    $"Trainer.Step: parameter '{name}' (shape={p.Shape}) was never filled, so it has no data or gradient: no forward pass has reached it ({p.State}). " +
                    "Run a forward pass through every branch before training, or set its GradReq to Null to leave it out.");
        if (!ignoreStaleGrad) ThrowIfStale();
        if (Schedule is { } schedule) LearningRate = schedule.Rate(Optimizer.StepCount);
        Optimizer.BeginStep();
        float rescale = 1f / batchSize;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i].Parameter;
            if (!HasFreshGradient(i)) continue;
            _writesAtLastStep[i] = p.Data().GradientWrites;
            p.Data().StampInPlaceWrite();   // a graph recorded before this step no longer matches the weights
            if (Optimizer.TryUpdateFromGradient(p, p.Data(), p.Grad(), rescale)) continue;
            var weight = p.Data().AsSpan();
            if (_scratch.Length < weight.Length) _scratch = new float[weight.Length];
            var grad = _scratch.AsSpan(0, weight.Length);
            TensorPrimitives.Multiply(p.Grad().Span, rescale, grad);
            Optimizer.Update(p, weight, grad);
        }
    }

    /// <summary>Whether parameter <paramref name="i"/> is trained and a backward pass has written its gradient since this trainer's last step.</summary>
    private bool HasFreshGradient(int i) =>
        _parameters[i].Parameter is { GradReq: not GradReq.Null } p && p.Data().GradientWrites != _writesAtLastStep[i];

    /// <summary>Refuses a step over gradients no backward pass has written since the last one, naming them and the ways out.</summary>
    private void ThrowIfStale()
    {
        List<string>? stale = null;   // made only when a step is refused: Step allocates nothing otherwise
        for (int i = 0; i < _parameters.Length; i++)
            if (_parameters[i].Parameter.GradReq != GradReq.Null && !HasFreshGradient(i)) (stale ??= []).Add($"'{_parameters[i].Name}'");
        if (stale is null) return;
        string names = string.Join(", ", stale.Take(5)) + (stale.Count > 5 ? $" and {stale.Count - 5} more" : "");
        throw new InvalidOperationException(
            $"Trainer.Step: the gradient of {names} has not been written by a backward pass since this trainer's last step, so the step would apply an old gradient again; nothing was updated. " +
            "Run loss.Backward() before each Step. If this iteration leaves those parameters out on purpose (a branch not taken), call Step(batchSize, ignoreStaleGrad: true) " +
            "to update only the others, or set their GradReq to Null while they rest.");
    }

    /// <summary>
    /// Scales every gradient by maxNorm/‖g‖ when the global L2 norm ‖g‖ of all the trained gradients exceeds
    /// <paramref name="maxNorm"/> (the book's <c>grad_clipping</c>, PyTorch's <c>clip_grad_norm_</c>); call it between
    /// backward and <see cref="Step"/>. Returns the norm before clipping.
    /// </summary>
    public float ClipGradients(float maxNorm)
    {
        if (!(maxNorm > 0) || !float.IsFinite(maxNorm)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "Expected a positive, finite maximum norm.");
        var grads = _parameters.Where(t => t.Parameter.IsInitialized && t.Parameter.GradReq != GradReq.Null).Select(t => t.Parameter.Grad()).ToList();
        double squares = grads.Sum(g => (double)TensorPrimitives.SumOfSquares(g.Span));
        float norm = (float)Math.Sqrt(squares);
        if (norm > maxNorm)
            foreach (var g in grads) TensorPrimitives.Multiply(g.Span, maxNorm / norm, g.AsSpan());
        return norm;
    }

    /// <summary>Sets every gradient to zero (needed between steps for parameters with GradReq.Add).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in _parameters) p.ZeroGrad();
    }
}
