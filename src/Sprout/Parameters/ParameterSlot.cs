using System.Diagnostics;
using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// Where a <see cref="Parameter"/> keeps its state: shape, lifecycle state, data, and the recipe that fills it. Tied
/// parameters (<c>ShareParameters</c>) are distinct <see cref="Parameter"/> objects that share one slot, so a layer that
/// keeps its parameter in a field reads the shared values too. Messages, role and own initializer come from the
/// parameter that made the slot (<see cref="Primary"/>).
/// </summary>
internal sealed class ParameterSlot
{
    private readonly Lock _gate = new();
    private Tensor? _data;
    private Initializer? _recordedInit;
    private ulong _seed;
    private string? _streamKey;
    private Tensor? _spareFill;          // a fill a failed forward took back, reused by the next fill of the same recipe
    private bool _filledByInitializer;   // the data is the initializer's output (not SetData's)

    public ParameterSlot(Parameter primary, Shape shape) => (Primary, Shape, DeclaredShape) = (primary, shape, shape);

    /// <summary>The shape the parameter was declared with: -1 where a size was left to be inferred.</summary>
    public Shape DeclaredShape { get; private init; }

    /// <summary>The parameter that made this slot: its name, role and own initializer are the slot's.</summary>
    public Parameter Primary { get; }

    /// <summary>The shape; unknown dimensions are -1 until inferred.</summary>
    public Shape Shape { get; private set; }

    /// <summary>Declared, Deferred or Initialized. Written under the parameter's lock after the data is in place and
    /// read without it (volatile), so a thread that sees Initialized also sees the data.</summary>
    public ParameterState State
    {
        get => (ParameterState)Volatile.Read(ref _state);
        private set => Volatile.Write(ref _state, (int)value);
    }
    private int _state = (int)ParameterState.Declared;

    public bool IsInitialized => State == ParameterState.Initialized;

    /// <summary>How backward treats this parameter's gradient (Write by default).</summary>
    public GradReq GradReq
    {
        get => _gradReq;
        set
        {
            _gradReq = value;
            if (_data is not null) _data.GradRequest = value;
        }
    }
    private GradReq _gradReq = GradReq.Write;

    /// <summary>Scales the optimizer's learning rate for this parameter (Gluon's <c>lr_mult</c>).</summary>
    public float LearningRateMultiplier { get; set; } = 1f;

    /// <summary>Scales the optimizer's weight decay for this parameter (Gluon's <c>wd_mult</c>).</summary>
    public float WeightDecayMultiplier { get; set; } = 1f;

    private string DisplayName => Primary.Path;

    /// <summary>The data; throws <see cref="DeferredInitializationException"/> or <see cref="UninitializedParameterException"/> before it is filled.</summary>
    public Tensor Data()
    {
        if (State == ParameterState.Initialized) return _data!;
        if (ShapeOnlyScope.IsActive && Shape.IsKnown) return Tensor.Meta(Shape);
        throw NotReady("read the data");
    }

    /// <summary>
    /// The gradient from the last backward pass; same rules as <see cref="Data"/>. A frozen parameter
    /// (<see cref="GradReq.Null"/>) keeps none, so asking for it is an error, as in Gluon (PyTorch's <c>.grad</c> is None).
    /// </summary>
    public Tensor Grad()
    {
        if (State != ParameterState.Initialized) throw NotReady("read the gradient");
        if (_gradReq == GradReq.Null)
            throw new InvalidOperationException(
                $"Parameter '{DisplayName}' has GradReq.Null (it is frozen), so backward keeps no gradient for it. " +
                "Set its GradReq to GradReq.Write before recording to train it, or skip frozen parameters (GradReq == GradReq.Null) when reading gradients.");
        return _data!.Grad();
    }

    /// <summary>
    /// Sets the values. Before the shape is fully known, <paramref name="value"/> must agree with every known dimension;
    /// it then fixes the shape and fills the parameter (no initializer runs). After, the shapes must be equal.
    /// </summary>
    public void SetData(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.IsMeta) throw new ArgumentException($"SetData on parameter '{DisplayName}' needs real values; got a meta tensor of shape {value.Shape}.", nameof(value));
        ForwardJournal.EnterLifecycle();
        lock (_gate)
        {
            if (!Shape.IsCompatibleWith(value.Shape) || (IsInitialized && Shape != value.Shape))
                throw new ShapeMismatchException(DisplayName, Shape, value.Shape,
                    $"SetData on parameter '{DisplayName}': its shape is {Shape} but the new data has shape {value.Shape}. " +
                    "Every known dimension must match (unknown dimensions, -1, take the new size).");
            ForwardJournal.Note(this);
            Shape = value.Shape;
            var data = Allocate();
            value.AsSpan().CopyTo(data.AsSpan());
            Publish(data);
        }
    }

    /// <summary>
    /// Records <paramref name="init"/> and fills now if the shape is known, else defers. Honors <paramref name="forceReinit"/>.
    /// The random stream is keyed by <paramref name="streamKey"/> (the path, and which initialization this is).
    /// </summary>
    internal void Initialize(Initializer init, string streamKey, bool forceReinit)
    {
        lock (_gate)
        {
            if (IsInitialized && !forceReinit)
            {
                Trace.TraceWarning($"Parameter '{DisplayName}' is already initialized; Initialize() leaves it as it is. Pass forceReinit: true to refill it.");
                return;
            }
            _recordedInit = Primary.Initializer ?? init;
            _seed = Rng.CurrentSeed;
            _streamKey = streamKey;
            _spareFill = null;
            if (Shape.IsKnown) Fill();
            else State = ParameterState.Deferred;
        }
    }

    /// <summary>
    /// Refines unknown dimensions from <paramref name="proposed"/> (-1 there means "no opinion"); known ones must agree.
    /// <paramref name="describe"/> explains, for the error message, where the proposal came from.
    /// </summary>
    internal void Refine(Shape proposed, Func<Shape, Shape, ShapeMismatchException> describe)
    {
        var current = Shape;
        if (current.Rank != proposed.Rank || !current.IsCompatibleWith(proposed)) throw describe(current, proposed);
        if (current.IsKnown) return;
        ForwardJournal.EnterLifecycle();
        lock (_gate)
        {
            if (!Shape.IsCompatibleWith(proposed)) throw describe(Shape, proposed);
            var dims = Shape.ToArray();
            for (int i = 0; i < dims.Length; i++) if (dims[i] == Sprout.Shape.Unknown) dims[i] = proposed[i];
            var refined = new Shape(dims);
            if (refined == Shape) return;
            ForwardJournal.Note(this);
            Shape = refined;
        }
    }

    /// <summary>Fills a deferred parameter whose shape has become known; exactly once, whichever thread gets here first.</summary>
    internal void MaterializeIfReady()
    {
        if (State != ParameterState.Deferred) return;
        ForwardJournal.EnterLifecycle();
        lock (_gate)
        {
            if (State != ParameterState.Deferred || !Shape.IsKnown) return;
            ForwardJournal.Note(this);
            Fill();
        }
    }

    internal Exception NotReady(string action) => State switch
    {
        ParameterState.Deferred => new DeferredInitializationException(DisplayName, Shape,
            $"Cannot {action} of parameter '{DisplayName}' (shape={Shape}): its initialization is deferred because a dimension is still unknown (-1). " +
            "Run a forward pass (net.Forward(x)) so the input fixes the shape, or net.Build(new Shape(...)) for a shape-only dry run, " +
            "or give the input size when creating the layer (e.g. inUnits:)."),
        _ => new UninitializedParameterException(DisplayName, Shape,
            $"Cannot {action} of parameter '{DisplayName}' (shape={Shape}): it has not been initialized. " +
            "Call net.Initialize() first" + (Shape.IsKnown ? "." : ", then run a forward pass (or net.Build(shape)) to infer its unknown dimensions (-1).")),
    };

    private void Fill()
    {
        if (_spareFill is { } spare && spare.Shape == Shape)
        {
            _spareFill = null;
            Publish(spare, byInitializer: true);
            return;
        }
        var data = Allocate();
        var (fanIn, fanOut) = ParameterInfo.Fans(Shape);
        var info = new ParameterInfo(DisplayName, Primary.Role, Shape, fanIn, fanOut, Rng.Stream(_seed, _streamKey ?? DisplayName));
        (_recordedInit ?? Primary.Initializer ?? Init.Initializer.Default).Apply(info, data, ownInitializer: _recordedInit == Primary.Initializer && _recordedInit is not null);
        Publish(data, byInitializer: true);
    }

    /// <summary>The existing buffer when the shape is unchanged (so refills keep tensor identity), else a new one.</summary>
    private Tensor Allocate() => _data is { } d && d.Shape == Shape ? d : new Tensor(Shape);

    private void Publish(Tensor data, bool byInitializer = false)
    {
        _filledByInitializer = byInitializer;
        data.AttachGrad(_gradReq);
        _data = data;
        State = ParameterState.Initialized;
    }

    /// <summary>A slot of its own with the same state and a copy of the values, made for <paramref name="primary"/>.</summary>
    internal ParameterSlot Clone(Parameter primary)
    {
        lock (_gate)
        {
            var copy = new ParameterSlot(primary, Shape)
            {
                _recordedInit = _recordedInit, _seed = _seed, _streamKey = _streamKey, _gradReq = _gradReq, DeclaredShape = DeclaredShape,
                LearningRateMultiplier = LearningRateMultiplier, WeightDecayMultiplier = WeightDecayMultiplier,
            };
            if (_data is not null) copy.Publish(_data.Clone(), _filledByInitializer);
            copy.State = State;   // Publish marks it Initialized; a Deferred or Declared original stays so
            return copy;
        }
    }

    /// <summary>The pass whose lifecycle change to this parameter is not yet committed (see <see cref="ForwardJournal"/>).</summary>
    internal ForwardJournal? ProvisionalOwner
    {
        get => Volatile.Read(ref _provisionalOwner);
        set => Volatile.Write(ref _provisionalOwner, value);
    }
    private ForwardJournal? _provisionalOwner;

    /// <summary>The state, and with <paramref name="withValues"/> a copy of the values (for in-place updates).</summary>
    internal Snapshot Capture(bool withValues) => new(Shape, State, _data, withValues && _data is not null ? _data.ToArray() : null);

    /// <summary>
    /// Puts the parameter back as it was. A fill being taken back (the recorded initializer's own output, not data set
    /// with SetData) is kept, so that filling the same shape again does not run the initializer a second time.
    /// </summary>
    internal void Restore(Snapshot s)
    {
        lock (_gate)
        {
            if (s.Values is not null && s.Data is not null) s.Values.CopyTo(s.Data.AsSpan());
            if (State == ParameterState.Initialized && s.State != ParameterState.Initialized && _filledByInitializer) _spareFill = _data;
            (Shape, State, _data) = (s.Shape, s.State, s.Data);
        }
    }

    internal readonly record struct Snapshot(Shape Shape, ParameterState State, Tensor? Data, float[]? Values);

}
