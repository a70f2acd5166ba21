package dev.ballast.example.brokerage.instrument;

import dev.ballast.core.LogicExecutor;
import dev.ballast.core.TaskContext;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/instruments}: one endpoint through the executor directly, one through {@code @Task}. */
@RestController
@RequestMapping("/api/instruments")
class InstrumentController {

    private static final TaskContext LIST = TaskContext.of("Instrument", "List");

    private final LogicExecutor executor;
    private final InstrumentCatalog catalog;

    InstrumentController(LogicExecutor executor, InstrumentCatalog catalog) {
        this.executor = executor;
        this.catalog = catalog;
    }

    @GetMapping
    List<Instrument> list() {
        return executor.execute(LIST, catalog::all);
    }

    @GetMapping("/{symbol}")
    Instrument get(@PathVariable String symbol) {
        return catalog.find(symbol);
    }
}
