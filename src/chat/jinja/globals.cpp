// Global functions of the template: jinja2's range (sandbox-limited), namespace, dict,
// cycler, joiner, and transformers' raise_exception and strftime_now.
#include <ctime>

#include "chat/jinja/builtins.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/format.h"

namespace edgeseek::jinja {

namespace {

// jinja2.sandbox.MAX_RANGE
constexpr int64_t kMaxRange = 100000;

Value g_range(Evaluator& ev, const Value&, std::string_view, CallArgs& args) {
    if (!args.kw.empty()) fault("range() takes no keyword arguments");
    if (args.pos.empty() || args.pos.size() > 3)
        fault("range expected at most 3 arguments, got " + std::to_string(args.pos.size()));
    for (const Value& v : args.pos)
        if (!v.is_integral()) fault(cat("'", type_name(v), "' object cannot be interpreted as an integer"));
    int64_t start = 0, stop = 0, step = 1;
    if (args.pos.size() == 1) {
        stop = args.pos[0].as_int();
    } else {
        start = args.pos[0].as_int();
        stop = args.pos[1].as_int();
        if (args.pos.size() == 3) step = args.pos[2].as_int();
    }
    if (step == 0) fault("range() arg 3 must not be zero");
    uint64_t count = 0;
    if (step > 0 && stop > start) {
        const uint64_t diff = static_cast<uint64_t>(stop) - static_cast<uint64_t>(start);
        const auto ustep = static_cast<uint64_t>(step);
        count = diff / ustep + (diff % ustep != 0);
    } else if (step < 0 && stop < start) {
        const uint64_t diff = static_cast<uint64_t>(start) - static_cast<uint64_t>(stop);
        const uint64_t ustep = static_cast<uint64_t>(-(step + 1)) + 1;
        count = diff / ustep + (diff % ustep != 0);
    }
    if (count > static_cast<uint64_t>(kMaxRange))
        fault("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    std::vector<Value> out;
    out.reserve(count);
    for (uint64_t k = 0; k < count; ++k)  // modular arithmetic: every value is within [start, stop)
        out.push_back(Value::integer(static_cast<int64_t>(static_cast<uint64_t>(start) + k * static_cast<uint64_t>(step))));
    ev.count_steps(out.size());
    return Value::list(std::move(out));
}

// dict(mapping_or_pairs, **kwargs), as Python's dict() and jinja2's Namespace.__init__ take it.
void fill_dict(DictData& d, const CallArgs& args, const char* func) {
    if (args.pos.size() > 1) fault(std::string(func) + " expected at most 1 argument, got " + std::to_string(args.pos.size()));
    if (!args.pos.empty()) {
        const Value& src = args.pos[0];
        if (src.is_dict()) {
            for (const auto& [k, v] : src.dict_data().entries) d.set(k, v);
        } else {
            for (const Value& pair : iterate(src)) {
                const std::vector<Value> kv = iterate(pair);
                if (kv.size() != 2) fault("dictionary update sequence element has length " + std::to_string(kv.size()) + "; 2 is required");
                d.set(kv[0], kv[1]);
            }
        }
    }
    for (const auto& [k, v] : args.kw) d.set(Value::string(k), v);
}

Value g_namespace(Evaluator& ev, const Value&, std::string_view, CallArgs& args) {
    auto ns = ev.new_namespace();
    fill_dict(ns->attrs, args, "namespace");
    return Value::object(ns);
}

Value g_dict(Evaluator&, const Value&, std::string_view, CallArgs& args) {
    DictData d;
    fill_dict(d, args, "dict");
    return Value::dict(std::move(d));
}

Value g_raise_exception(Evaluator&, const Value&, std::string_view, CallArgs& args) {
    auto a = bind_args("raise_exception", args, {"message"}, 1);
    fault(py_str(*a[0]), "raised by the chat template");
}

Value g_strftime_now(Evaluator& ev, const Value&, std::string_view, CallArgs& args) {
    auto a = bind_args("strftime_now", args, {"format"}, 1);
    if (!a[0]->is_string()) fault("strftime() argument 1 must be str, not " + type_name(*a[0]));
    const std::string& fmt = a[0]->str();
    if (fmt.empty()) return Value::string("");
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    // strftime gives 0 both for "too small" and for an empty result; grow a few times.
    for (size_t cap = 256; cap <= (size_t{1} << 20); cap *= 4) {
        std::string buf(cap, '\0');
        const size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &local);
        if (n > 0) {
            buf.resize(n);
            ev.charge(n);
            return Value::string(std::move(buf));
        }
    }
    return Value::string("");
}

class Cycler : public Object {
public:
    explicit Cycler(std::vector<Value> items) : items_(std::move(items)) {}
    std::string type_name() const override { return "Cycler"; }
    std::optional<Value> get_attr(std::string_view name) const override {
        if (name == "current") return items_[pos_];
        if (name == "next" || name == "reset") {
            auto self = std::const_pointer_cast<Object>(shared_from_this());
            return Value::object(std::make_shared<NativeFunction>(std::string(name), method, Value::object(self)));
        }
        return std::nullopt;
    }

private:
    static Value method(Evaluator&, const Value& self, std::string_view name, CallArgs& args) {
        bind_args("Cycler." + std::string(name), args, {}, 0);
        auto& c = static_cast<Cycler&>(self.object());
        if (name == "reset") {
            c.pos_ = 0;
            return Value::none();
        }
        Value v = c.items_[c.pos_];
        c.pos_ = (c.pos_ + 1) % c.items_.size();
        return v;
    }
    std::vector<Value> items_;
    size_t pos_ = 0;
};

Value g_cycler(Evaluator&, const Value&, std::string_view, CallArgs& args) {
    if (args.pos.empty()) fault("at least one item has to be provided");
    return Value::object(std::make_shared<Cycler>(args.pos));
}

class Joiner : public Object {
public:
    explicit Joiner(std::string sep) : sep_(std::move(sep)) {}
    std::string type_name() const override { return "Joiner"; }
    bool callable() const override { return true; }
    Value call(Evaluator&, CallArgs& args) override {
        bind_args("joiner", args, {}, 0);
        if (!used_) {
            used_ = true;
            return Value::string("");
        }
        return Value::string(sep_);
    }

private:
    std::string sep_;
    bool used_ = false;
};

Value g_joiner(Evaluator&, const Value&, std::string_view, CallArgs& args) {
    auto a = bind_args("joiner", args, {"sep"}, 0);
    return Value::object(std::make_shared<Joiner>(a[0] ? py_str(*a[0]) : ", "));
}

}  // namespace

void add_globals(DictData& globals) {
    struct Entry {
        const char* name;
        NativeFunction::Fn fn;
    };
    static constexpr Entry kGlobals[] = {
        {"range", g_range},   {"namespace", g_namespace}, {"dict", g_dict},
        {"cycler", g_cycler}, {"joiner", g_joiner},       {"raise_exception", g_raise_exception},
        {"strftime_now", g_strftime_now},
    };
    for (const Entry& e : kGlobals)
        globals.set(Value::string(e.name), Value::object(std::make_shared<NativeFunction>(e.name, e.fn)));
}

}  // namespace edgeseek::jinja
