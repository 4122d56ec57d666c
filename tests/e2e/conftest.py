"""Browser tests: the fixtures (browser, page, screenshot) live in tests/browser.py."""


def login(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
